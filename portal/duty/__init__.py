"""Member contacts (Art. 6) and the A/B duty roster (Art. 7).

Each member bank reports its leader in charge of complaints, its responsible department
and its handlers to the association, and every change is kept as a dated report. Each
member (and any intermediate unit that accepts complaints itself) names handler A and
handler B: when A is away B accepts, and a moment with neither is a gap that the member's
leader and the association hear about at once.

Entry points for other domains:
    portal.duty.queries.on_duty(unit, at) -> DutyAnswer
    portal.duty.queries.duty_handlers(unit) -> list[User]
    portal.duty.queries.can_receive_complaints(unit) -> bool
    portal.duty.queries.receiving_pair(unit) -> DutyPair | None  (the same, with the pair)
    portal.duty.queries.receiver_at(unit, at) -> Receiver | None  (the pair and who is on duty)
    portal.duty.queries.gaps_between(unit, start, end) -> list[DayPlan]
    portal.duty.operations.notify_on_duty(unit, *, title, body, link, dedupe_key, now, receiver=None)
    portal.duty.operations.alert_gaps(now) -> int
"""
