"""The app's side of the round trip with GIMP and Krita: open the layer a host sent through
the bridge (``hdr-studio gui --bridge-session ID``), and **Send back** the result as a new
layer in the host. Closing the window without sending back tells the bridge, and the host
leaves its document as it was."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from hdr_studio.api.errors import InputError
from hdr_studio.api.layers import decode_layer, encode_layer_array, layer_format, space_name
from hdr_studio.api.types import Image
from hdr_studio.bridge.client import (
    BridgeError,
    Client,
    layer_name,
    parts,
    read_connection,
    unpack,
)


@dataclass
class RoundTrip:
    """One bridge session: where to reach the bridge, the layer's name, whether sent."""

    session: str
    client: Client
    name: str = "Layer"
    sent: bool = False

    @classmethod
    def connect(cls, session: str) -> RoundTrip:
        info = read_connection()
        if info is None:
            raise InputError("no HDR Studio bridge is running for this round trip")
        client = Client.from_connection(info)
        try:
            status = client.json("GET", f"/v1/sessions/{session}")
        except BridgeError as exc:
            raise InputError(f"round trip {session}: {exc}") from None
        return cls(session, client, str(status.get("name", "Layer")))

    def load(self) -> Image:
        """The host's layer as an image (its depth, profile and alpha)."""
        try:
            _, _, body = self.client.request("GET", f"/v1/sessions/{self.session}/input")
            header, data = unpack(body)
        except (BridgeError, ValueError) as exc:
            raise InputError(f"could not get the layer from the bridge: {exc}") from None
        self.name = str(header.get("name", "Layer"))
        return decode_layer(layer_format(header), data)

    def send_back(self, image: Image, pixels, kind: str, label: str, strength: float = 1.0) -> None:
        """The result (linear, the image's primaries, alpha kept) to the host, named as the
        plug-ins name their own results (:func:`~hdr_studio.bridge.client.layer_name`)."""
        header = {
            "width": image.width,
            "height": image.height,
            "channels": 4,
            "sample": "f32",
            "order": "RGBA",
            "colorspace": space_name(image.primaries, "linear"),
            "name": layer_name(label, strength),
            "kind": kind,
        }
        body = parts(header, encode_layer_array(pixels, image.alpha, "f32", "RGBA", "linear"))
        try:
            self.client.request("POST", f"/v1/sessions/{self.session}/result", body)
        except BridgeError as exc:
            raise InputError(f"could not send the result back: {exc}") from None
        self.sent = True

    def close(self) -> None:
        """Tell the bridge the app is closing (nothing to collect when nothing was sent)."""
        with contextlib.suppress(BridgeError):
            self.client.request("POST", f"/v1/sessions/{self.session}/close")
