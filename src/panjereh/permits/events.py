"""The single window's outbox events (the catalogue: :mod:`panjereh.core.events`)."""

EVENTS = {
    "application.submitted": "a file was opened at a counter or from home; each agency concerned is asked",
    "application.rejected": "an agency refused the file, citing a numbered reason",
    "application.resubmitted": "the applicant corrected a refused file and sent it again",
    "review.requested": "an agency's review of a file was opened, with its deadline",
    "review.decided": "an agency decided its review (approved, with conditions, refused)",
    "appeal.filed": "the applicant appealed a refusal; the appeal body decides by its due date",
    "appeal.decided": "the appeal body upheld (the review reopens) or dismissed an appeal",
    "complaint.filed": "a customer complained about a connection or a bill; the agency answers by its due date",
    "complaint.answered": "the agency answered a complaint",
    "complaint.escalated": "a complaint went unanswered past its due date: sent to the independent body",
    "review.deemed_approved": "an agency's deadline passed without a decision: approved by silence",
    "review.deadline_missed": "an agency's review is past its deadline (an escalation)",
    "review.info_answered": "the applicant answered an agency's question",
    "review.withdrawn": "an agency's review ended without a decision (the file was refused or withdrawn)",
    "permit.issued": "the permit of a file was issued",
    "connection.ordered": "a connection of one service was ordered from its agency",
    "connection.installed": "the agency installed a connection; the subscription number",
    "service.activated": "a service not asked at first was added to an issued file",
    "tariff.changed": "the parcel's water tariff class changed (construction, and back)",
    "completion.certified": "the building's completion was certified",
}
