"""`tapegrad.nn`: so far the functional forms (`tapegrad.nn.functional`)."""

from . import functional as functional
