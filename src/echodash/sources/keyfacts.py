"""Old home of echodash.sources.kit.keyfacts, kept while senders move to their folders."""

from echodash.sources.kit.keyfacts import (
    _AMOUNT_KEYS as _AMOUNT_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _ID_KEYS as _ID_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _INNER_NAME_KEYS as _INNER_NAME_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _PEOPLE_AND_PLACES as _PEOPLE_AND_PLACES,
)
from echodash.sources.kit.keyfacts import (
    _PLACE_KEYS as _PLACE_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _RANK as _RANK,
)
from echodash.sources.kit.keyfacts import (
    _SEVERITY_KEYS as _SEVERITY_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _SEVERITY_WORDS as _SEVERITY_WORDS,
)
from echodash.sources.kit.keyfacts import (
    _STATUS_KEYS as _STATUS_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _TIME_KEYS as _TIME_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _TITLE_KEYS as _TITLE_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _URL_KEYS as _URL_KEYS,
)
from echodash.sources.kit.keyfacts import (
    _USER_KEYS as _USER_KEYS,
)
from echodash.sources.kit.keyfacts import (
    KeyFacts as KeyFacts,
)
from echodash.sources.kit.keyfacts import (
    _find as _find,
)
from echodash.sources.kit.keyfacts import (
    _identifier as _identifier,
)
from echodash.sources.kit.keyfacts import (
    _levels as _levels,
)
from echodash.sources.kit.keyfacts import (
    _moment as _moment,
)
from echodash.sources.kit.keyfacts import (
    _Node as _Node,
)
from echodash.sources.kit.keyfacts import (
    _node as _node,
)
from echodash.sources.kit.keyfacts import (
    _norm as _norm,
)
from echodash.sources.kit.keyfacts import (
    _number as _number,
)
from echodash.sources.kit.keyfacts import (
    _numeric as _numeric,
)
from echodash.sources.kit.keyfacts import (
    _person as _person,
)
from echodash.sources.kit.keyfacts import (
    _severity as _severity,
)
from echodash.sources.kit.keyfacts import (
    _short_text as _short_text,
)
from echodash.sources.kit.keyfacts import (
    _web_url as _web_url,
)
from echodash.sources.kit.keyfacts import (
    headline as headline,
)
from echodash.sources.kit.keyfacts import (
    key_facts as key_facts,
)
