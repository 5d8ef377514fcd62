"""hdr_studio.bridge (see ../../STYLE layout); filled in by later issues."""
