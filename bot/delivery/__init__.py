"""The outbox worker: delivers what stage changes queued, paced and retried, never twice."""
