"""Old home of echodash.sources.kit.digest, kept while senders move to their folders."""

from echodash.sources.kit.digest import (
    _PIECE as _PIECE,
)
from echodash.sources.kit.digest import (
    HashFactory as HashFactory,
)
from echodash.sources.kit.digest import (
    _Pads as _Pads,
)
from echodash.sources.kit.digest import (
    _pads as _pads,
)
from echodash.sources.kit.digest import (
    hmac_digest as hmac_digest,
)
from echodash.sources.kit.digest import (
    match_hex_hmac as match_hex_hmac,
)
from echodash.sources.kit.digest import (
    sha256_hex as sha256_hex,
)
