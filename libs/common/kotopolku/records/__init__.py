"""The client-records contract (kotopolku.records.v1); implemented once in
kotopolku.common.client_records."""
