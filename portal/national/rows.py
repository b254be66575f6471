"""How the case generator writes its rows: history entries, clocks with their events
(as ``portal.deadlines`` and the sweep write them) and the complaint itself. Mixed into
``cases.CaseGenerator``, which holds the writer, the id counters and the calendar."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from portal.national.bulk import DAY, BulkWriter, TimeFormat
from portal.national.schedule import day_start, local_ordinal

if TYPE_CHECKING:
    from portal.national.world import World

HOUR = 3600


class Clock:
    __slots__ = (
        "id",
        "kind",
        "owner",
        "path",
        "start",
        "limit",
        "due_on",
        "due_at",
        "prov",
        "met",
        "cancelled",
        "reason",
    )

    def __init__(self, id_, kind, owner, path, start, limit, due_on, prov):
        self.id, self.kind, self.owner, self.path = id_, kind, owner, path
        self.start, self.limit, self.due_on, self.prov = start, limit, due_on, prov
        self.due_at = day_start(due_on) + DAY - 1  # Art. 11: 23:59:59 Beijing time
        self.met = self.cancelled = self.reason = None


class CaseRows:
    """Row writing for ``CaseGenerator``: ``self.out``, ``self.fmt``, ``self.ids``,
    ``self.limits``, ``self.due``/``self.prov`` (the calendar tables) come from it."""

    world: "World"
    out: BulkWriter
    fmt: TimeFormat
    _ts: Callable[[int | None], str | None]  # ``fmt.ts``
    now: int
    ids: dict[str, int]
    limits: dict[str, int]
    base: int  # the first day of ``due`` and ``prov``, as an ordinal
    due: dict[int, list[int]]
    prov: dict[int, list[bool]]
    met_detail: dict[str, dict[bool, str]]
    categories: list[tuple]

    def _next(self, name: str) -> int:
        self.ids[name] += 1
        return self.ids[name]

    def _bind(self) -> None:
        """Fresh appenders after each flush (the writer hands its lists over)."""
        rows = self.out.rows
        self._add_event = rows["complaint_event"].append
        self._add_clock = rows["clock"].append
        self._add_clock_event = rows["clock_event"].append

    def _event(self, cid, at, actor, action, note=None, detail="{}", internal=None) -> None:
        self.ids["event"] += 1
        if actor is None:
            actor = (None, None, None)
        self._add_event(
            (self.ids["event"], cid, self._ts(at), *actor, action, note, detail, internal)
        )

    def _start(self, case, kind, owner, path, t, due_on=None) -> Clock:
        """``deadlines.operations.start_clock``: a running clock of the same kind is
        cancelled first (``restarted``)."""
        running = case["open"].get(kind)
        if running is not None:
            running.cancelled, running.reason = t, "restarted"
        limit = self.limits.get(kind)
        if limit is None:
            prov = False
        else:
            i = local_ordinal(t) - self.base
            due_on, prov = self.due[limit][i], self.prov[limit][i]
        clock = Clock(self._next("clock"), kind, owner, path, t, limit, due_on, prov)
        case["open"][kind] = clock
        case["clocks"].append(clock)
        return clock

    def _stop(self, case, kind, t) -> None:
        clock = case["open"].pop(kind, None)
        if clock is not None:
            clock.met = t

    def _cancel(self, case, kind, t, reason) -> None:
        clock = case["open"].pop(kind, None)
        if clock is not None:
            clock.cancelled, clock.reason = t, reason

    def _write_clocks(self, case) -> None:
        """Each clock and its events: started, the morning reminder on the due day and
        the breach a few minutes after the due time (both by the sweep, if the clock was
        still open then), met or cancelled. Details are the JSON the operations write."""
        fmt, ts, now, cid, ids = self.fmt, self._ts, self.now, case["id"], self.ids
        add_event, add_clock = self._add_clock_event, self._add_clock
        for c in case["clocks"]:
            kind, end = c.kind, (c.met if c.met is not None else c.cancelled)
            due_iso = fmt.day(c.due_on)
            start = ts(c.start)
            n = ids["clock_event"] + 1
            started = (
                f'{{"kind": "{kind}", "owner_unit_id": {c.owner}, "due_on": "{due_iso}", '
                f'"due_at": "{fmt.iso(c.due_at)}", "is_provisional": '
                f'{"true" if c.prov else "false"}, "limit_days": '
                f"{'null' if c.limit is None else c.limit}}}"
            )
            add_event((n, c.id, cid, start, "started", None, started))
            remind = c.due_at - 16 * HOUR + 30 + c.id % 240  # 08:00 on the due day
            reminded = breached = met = cancelled = None
            if c.start < remind <= now and (end is None or end > remind):
                reminded = due_iso
                n += 1
                due_detail = f'{{"kind": "{kind}", "due_on": "{due_iso}"}}'
                add_event((n, c.id, cid, ts(remind), "reminded", None, due_detail))
            breach = c.due_at + 1 + c.id % 299  # the sweep runs every five minutes
            if breach <= now and (end is None or end > breach):
                breached = ts(breach)
                n += 1
                due_detail = f'{{"kind": "{kind}", "due_on": "{due_iso}"}}'
                add_event((n, c.id, cid, breached, "breached", None, due_detail))
                if kind == "accept":  # Art. 12(1)1: the sweep records it on the case
                    detail = f'{{"member_id": {c.owner}, "due_on": "{due_iso}"}}'
                    self._event(cid, breach, None, "unaccepted", None, detail)
                    case["unaccepted"] = breach
            if c.met is not None:
                met = ts(c.met)
                n += 1
                detail = self.met_detail[kind][c.met <= c.due_at]
                add_event((n, c.id, cid, met, "met", None, detail))
            elif c.cancelled is not None:
                cancelled = ts(c.cancelled)
                n += 1
                detail = f'{{"kind": "{kind}", "reason": "{c.reason}"}}'
                add_event((n, c.id, cid, cancelled, "cancelled", None, detail))
            ids["clock_event"] = n
            add_clock(
                (
                    c.id,
                    cid,
                    kind,
                    c.owner,
                    c.path,
                    start,
                    c.limit,
                    due_iso,
                    ts(c.due_at),
                    c.prov,
                    met,
                    breached,
                    reminded,
                    cancelled,
                    1 + (end is not None),
                )
            )

    def _write_complaint(self, case, row, base, r, day, outlet, member, intake) -> None:
        fmt = self.fmt
        person = self.world.people[base["person"]]
        handling_id, handling_path = row["handling"]
        self.out.add(
            "complaint",
            (
                case["id"],
                case["tracking"],
                row["state"],
                fmt.ts(r),
                fmt.day(day),
                base["channel"],
                intake[0],
                *person,
                None,
                base["reply"],
                outlet["id"],
                member["id"],
                None,
                self.categories[base["category"]][0],
                base["facts"],
                base["demand"],
                base["major"],
                base["media"],
                base["repeat_of"],
                base["repeat_reason"],
                handling_id,
                handling_path,
                row["accepted_by"],
                fmt.ts(row["accepted_at"]),
                row["invalid_reason"],
                row["finding"],
                fmt.ts(row["replied_at"]),
                fmt.day(row["promised_on"]),
                fmt.ts(row["reported_at"]),
                fmt.ts(row["closed_at"]),
                row["satisfaction"],
                row["version"],
                fmt.ts(r),
                fmt.ts(row["updated"]),
                *base["codes"],
            ),
        )
