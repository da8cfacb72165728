"""Figure builders: telemetry frames or model snapshots in, plotly Figures out. No Streamlit."""
