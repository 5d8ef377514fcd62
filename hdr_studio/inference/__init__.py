"""hdr_studio.inference (see ../../STYLE layout); filled in by later issues."""
