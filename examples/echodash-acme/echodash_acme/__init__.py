"""An EchoDash sender for Acme Deploys: HMAC-signed deploy notifications."""

from echodash_acme.source import AcmeSource

__all__ = ["AcmeSource"]
