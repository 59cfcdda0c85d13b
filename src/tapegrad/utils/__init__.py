"""`tapegrad.utils`: torch.utils' counterparts (hooks)."""

from . import hooks as hooks
