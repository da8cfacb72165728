import streamlit as st

st.set_page_config(page_title="Why random init?", layout="wide")

st.title("Why random init?")
st.write("The app is being built.")
