"""The bundled demo job board: generated ads served on 127.0.0.1."""
