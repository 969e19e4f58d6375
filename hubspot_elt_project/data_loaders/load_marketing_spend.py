if "data_loader" not in globals():
    from mage_ai.data_preparation.decorators import data_loader

from crm_elt.extract import result_frame, run_extraction


@data_loader
def load_marketing_spend(*args, **kwargs):
    """Spend CSVs in data/input/marketing_spend/ -> raw_marketing.spend"""
    return result_frame(run_extraction("spend"))
