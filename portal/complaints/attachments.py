"""Reading uploads: type judged from the bytes (filetype), limits from the rules."""

import hashlib

import filetype

from portal.complaints.rules import MAX_ATTACHMENT_BYTES, attachment_problem


class Upload:
    def __init__(self, storage):
        self.filename = (storage.filename or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
        self.data = storage.read(MAX_ATTACHMENT_BYTES + 1)
        kind = filetype.guess(self.data[:8192]) if self.data else None
        self.content_type = kind.mime if kind else None
        if self.content_type == "audio/x-m4a":
            self.content_type = "audio/mp4"
        self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def problem(self) -> str | None:
        return attachment_problem(self.filename, self.content_type, len(self.data))


def read_uploads(files) -> tuple[list[Upload], list[str]]:
    """The uploads of a form field, and the messages for those refused."""
    uploads, problems = [], []
    for storage in files or []:
        if not storage or not storage.filename:
            continue
        upload = Upload(storage)
        if upload.problem:
            problems.append(f"{upload.filename}：{upload.problem}")
        else:
            uploads.append(upload)
    return uploads, problems
