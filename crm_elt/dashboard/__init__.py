"""The dashboard (`make dashboard`): Streamlit pages over the snapshot each run publishes."""
