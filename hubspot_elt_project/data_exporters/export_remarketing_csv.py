if "data_exporter" not in globals():
    from mage_ai.data_preparation.decorators import data_exporter

from crm_elt.exporters.steps import run_delivery_step


@data_exporter
def export_remarketing_csv(*args, **kwargs):
    """marts.remarketing_batch -> data/output/remarketing/<env>/<date>.csv (Excel-ready)"""
    return run_delivery_step("export")
