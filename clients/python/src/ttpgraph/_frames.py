"""to_dataframe(): a list of an answer as a pandas DataFrame (pandas is optional)."""
import re

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.json_format import MessageToDict

from ttpgraph._paging import list_field

_ATTACK_OBJECT = "ttpgraph.v1.AttackObject"


def _columns(descriptor, prefix=""):
    """Column names of one row of `descriptor`, in field order (see _row)."""
    out = []
    for f in descriptor.fields:
        name = prefix + f.name
        single_message = f.message_type is not None and f.label != FieldDescriptor.LABEL_REPEATED
        if single_message and f.message_type.full_name == _ATTACK_OBJECT:
            out += [name, f"{name}_name"]
        elif single_message:
            out += _columns(f.message_type, f"{name}_")
        else:
            out.append(name)
    return out


def _object_id(o):
    return o.attack_id or o.stix_id


def _enum_prefix(enum_type):
    """COVERAGE_STATUS_ for CoverageStatus: every value name starts with it (buf lint)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", enum_type.name).upper() + "_"


def _value(f, value):
    """Enums by their short name (DETECTED for COVERAGE_STATUS_DETECTED), as a table shows them."""
    if f.enum_type is not None:
        names = f.enum_type.values_by_number
        if value not in names:
            return value
        name, prefix = names[value].name, _enum_prefix(f.enum_type)
        return name[len(prefix):] if name.startswith(prefix) else name
    return value


def _row(message, prefix="", row=None):
    """One flat row: scalars as they are, enums by short name, an AttackObject as two columns (its
    ATT&CK ID, or STIX id when it has none, and `<field>_name`), other messages flattened with
    their field name as prefix; lists as Python lists (AttackObjects by ID, other messages as dicts)."""
    row = {} if row is None else row
    for f in message.DESCRIPTOR.fields:
        name, value = prefix + f.name, getattr(message, f.name)
        if f.label == FieldDescriptor.LABEL_REPEATED:
            if f.message_type is None:
                row[name] = [_value(f, v) for v in value]
            elif f.message_type.full_name == _ATTACK_OBJECT:
                row[name] = [_object_id(o) for o in value]
            else:
                row[name] = [MessageToDict(m, preserving_proto_field_name=True) for m in value]
        elif f.message_type is not None and f.message_type.full_name == _ATTACK_OBJECT:
            row[name], row[f"{name}_name"] = _object_id(value), value.name
        elif f.message_type is not None:
            _row(value, f"{name}_", row)
        else:
            row[name] = _value(f, value)
    return row


def to_dataframe(answer, field=None):
    """One row per item of `answer`'s list: coverage (CoverageResponse: techniques; field="tactics"
    for the per-tactic summary), gap (GapResponse: gaps), overlap (OverlapResponse: pairs),
    similar groups, coverage trend, or any other answer's list given by `field`. Columns follow
    the item's fields (see _row), so an empty list still has them. Use all_pages() first for a
    paged answer. Needs pandas (Debian: python3-pandas); ImportError without it.
    """
    try:
        import pandas
    except ImportError:
        raise ImportError("ttpgraph.to_dataframe needs pandas (Debian: apt-get install python3-pandas; "
                          "pip: ttpgraph[pandas])") from None
    name = list_field(answer.DESCRIPTOR, field)
    f = answer.DESCRIPTOR.fields_by_name[name]
    if f.message_type is None:
        return pandas.DataFrame({name: [_value(f, v) for v in getattr(answer, name)]})
    return pandas.DataFrame([_row(item) for item in getattr(answer, name)], columns=_columns(f.message_type))
