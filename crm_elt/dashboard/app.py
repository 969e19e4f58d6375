"""The Streamlit dashboard (`make dashboard`, http://127.0.0.1:8501): the pages of `pages`.

`?lang=en` (or the sidebar) switches to English.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from crm_elt.dashboard.labels import LANGUAGES, format_datetime
from crm_elt.dashboard.pages import (
    audiences_page,
    batch_page,
    cac_page,
    language,
    ltv_cac_page,
    people_page,
    quality_page,
    settings,
    text,
)
from crm_elt.dashboard.snapshot import snapshot_path

st.set_page_config(page_title=text("app_title"), layout="wide")
with st.sidebar:
    chosen = st.radio(
        text("language"),
        list(LANGUAGES),
        index=list(LANGUAGES).index(language()),
        format_func=LANGUAGES.get,
        horizontal=True,
    )
    if chosen != language():
        st.query_params["lang"] = chosen
        st.rerun()
    published = snapshot_path(settings())
    if published.is_file():
        moment = datetime.fromtimestamp(published.stat().st_mtime)
        st.caption(text("snapshot_of", when=format_datetime(moment, language())))

pages = [
    st.Page(people_page, title=text("page_people"), url_path="people", default=True),
    st.Page(quality_page, title=text("page_quality"), url_path="quality"),
    st.Page(ltv_cac_page, title=text("page_ltv_cac"), url_path="ltv-cac"),
    st.Page(cac_page, title=text("page_cac"), url_path="cac"),
    st.Page(audiences_page, title=text("page_audiences"), url_path="audiences"),
    st.Page(batch_page, title=text("page_batch"), url_path="batch"),
]
st.navigation(pages).run()
