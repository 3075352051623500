"""Lead webhooks: ``POST /webhooks/{source}``, verified and validated before anything is stored."""
