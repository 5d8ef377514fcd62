"""The inference core (torch, no Qt): layers, the four seed networks, the model registry,
safetensors weights, and the tiled GPU/CPU runner. torch is imported by the modules here
only; nothing in hdr_studio.core depends on it."""
