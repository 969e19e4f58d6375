"""Identity resolution: which source identities (HubSpot contacts, Hotmart buyers, ManyChat
subscribers) are one real person, and why.

`links` draws candidate links from shared evidence and accepts or rejects each by named rules
(`rules.RULES`); `clusters` joins accepted links into clusters without ever putting two
different documents (CPF) in one. dbt's Python models `int_identity_links` and
`int_identity_clusters` call them; everything else about the golden contact is SQL.
"""
