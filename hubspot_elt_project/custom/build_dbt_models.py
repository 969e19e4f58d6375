if "custom" not in globals():
    from mage_ai.data_preparation.decorators import custom

from crm_elt.dbt_runner import build
from crm_elt.settings import load_settings


@custom
def build_dbt_models(*args, **kwargs):
    """dbt source freshness + dbt build (staging, marts, tests) on this environment's warehouse."""
    return build(load_settings())
