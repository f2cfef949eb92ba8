"""The reviewer's admin (an edge): model admins, the extra views (queue, claim and article
pages, the desk) and the desk's read models. Django's autodiscovery imports this package."""

from . import access, model_admins, watching  # noqa: F401  (registers the model admins)
