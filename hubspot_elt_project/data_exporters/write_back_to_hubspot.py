if "data_exporter" not in globals():
    from mage_ai.data_preparation.decorators import data_exporter

from crm_elt.exporters.steps import run_delivery_step


@data_exporter
def write_back_to_hubspot(*args, **kwargs):
    """Golden id, net LTV, audiences, last remarketing date -> HubSpot (HUBSPOT_WRITEBACK)"""
    return run_delivery_step("hubspot")
