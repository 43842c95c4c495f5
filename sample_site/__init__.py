"""The bundled sample site: real and realistic policy pages in a Fujian portal's template,
served on 127.0.0.1 for `make run` and the tests."""
