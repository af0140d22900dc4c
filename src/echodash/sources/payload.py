"""Old home of echodash.sources.kit.payload, kept while senders move to their folders."""

from echodash.sources.kit.payload import (
    PayloadReader as PayloadReader,
)
from echodash.sources.kit.payload import (
    dig as dig,
)
from echodash.sources.kit.payload import (
    line as line,
)
from echodash.sources.kit.payload import (
    link as link,
)
from echodash.sources.kit.payload import (
    load_json as load_json,
)
from echodash.sources.kit.payload import (
    load_json_quietly as load_json_quietly,
)
from echodash.sources.kit.payload import (
    not_an_object as not_an_object,
)
from echodash.sources.kit.payload import (
    parse_time as parse_time,
)
from echodash.sources.kit.payload import (
    registrar as registrar,
)
from echodash.sources.kit.payload import (
    text as text,
)
