if "data_loader" not in globals():
    from mage_ai.data_preparation.decorators import data_loader

from crm_elt.extract import result_frame, run_extraction


@data_loader
def load_hotmart(*args, **kwargs):
    """Hotmart sales (every status) and buyers' contact data -> raw_hotmart.*"""
    return result_frame(run_extraction("hotmart"))
