if "data_exporter" not in globals():
    from mage_ai.data_preparation.decorators import data_exporter

from crm_elt.exporters.steps import run_delivery_step


@data_exporter
def push_to_manychat(*args, **kwargs):
    """The day's tag (and flow) on each batch contact's ManyChat subscriber, at most once a day"""
    return run_delivery_step("manychat")
