"""What people hear about the work that needs them: notifications in the portal (the bell and the
notifications page) and e-mail, written to a durable outbox in the same transaction as the change
that causes them and delivered by the worker (`flask worker`).

- kinds.py: every kind of message, who it is for, and how it is sent by default.
- models.py: Notification (what one person is told), OutboxEmail (an e-mail to deliver), Preference.
- outbox.py: notify(), the one way to tell people something.
- mail.py: an e-mail built from a notification (or a digest of several), and the SMTP connection.
- delivery.py: claims due e-mails, sends them, retries with backoff, and marks the last failure.
- digests.py: the daily digest of what each person chose to hear about once a day.
"""
