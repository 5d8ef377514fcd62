import pytest

from hdr_studio.core.gamut import PRIMARIES
from hdr_studio.core.icc import build_icc, parse_icc


@pytest.mark.parametrize("primaries", list(PRIMARIES))
@pytest.mark.parametrize("transfer", ["srgb", "gamma:2.2"])
def test_build_parse_round_trip(primaries, transfer):
    enc = parse_icc(build_icc(primaries, transfer, f"Test {primaries}"))
    assert enc.primaries == primaries
    assert enc.transfer == transfer
    assert enc.description == f"Test {primaries}"


def test_not_a_profile():
    with pytest.raises(ValueError, match="not an ICC profile"):
        parse_icc(b"\0" * 200)
