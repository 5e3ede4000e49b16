"""What runs: the consumer loop (`worker`) and the outbox relay (`relay`), on top of the service
layer's ports. Above `hub.service_layer`, beside the adapters and the ledger (it imports
neither: `hub.bootstrap` wires them in)."""
