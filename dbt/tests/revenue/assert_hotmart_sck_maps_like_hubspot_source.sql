{#- Hotmart's tracking sck is HubSpot's original source in lower case: in the seed
    acquisition_channels each sck must map to the channel of its upper-case HubSpot value,
    and every value of either source must have its counterpart. -#}
with

channel_map as (

    select * from {{ ref('acquisition_channels') }}

),

hubspot as (

    select acquisition_channel, channel from channel_map where from_source = 'hubspot'

),

hotmart as (

    select acquisition_channel, channel from channel_map where from_source = 'hotmart'

)

select
    hubspot.acquisition_channel as hubspot_value,
    hotmart.acquisition_channel as hotmart_value,
    hubspot.channel as hubspot_channel,
    hotmart.channel as hotmart_channel

from hubspot
full outer join hotmart
    on hubspot.acquisition_channel = upper(hotmart.acquisition_channel)
where hubspot.channel is distinct from hotmart.channel
