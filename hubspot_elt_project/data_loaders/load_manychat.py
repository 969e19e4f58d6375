if "data_loader" not in globals():
    from mage_ai.data_preparation.decorators import data_loader

from crm_elt.extract import result_frame, run_extraction


@data_loader
def load_manychat(*args, **kwargs):
    """ManyChat CSV exports in data/input/manychat/ -> raw_manychat.subscribers, then (with
    MANYCHAT_ENRICH) API profiles of their subscribers -> raw_manychat.subscriber_profiles"""
    return result_frame(run_extraction("manychat"))
