// claimdesk
