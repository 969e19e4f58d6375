if "data_loader" not in globals():
    from mage_ai.data_preparation.decorators import data_loader

from crm_elt.extract import result_frame, run_extraction


@data_loader
def load_hubspot(*args, **kwargs):
    """HubSpot contacts, companies, deals, associations, pipelines -> raw_hubspot.*"""
    return result_frame(run_extraction("hubspot"))
