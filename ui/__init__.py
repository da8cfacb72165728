"""Streamlit glue shared by the pages: session state, the URL, and the settings widgets."""
