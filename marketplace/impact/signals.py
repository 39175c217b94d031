"""What the impact room asks of the rooms above it. Sent with the ``Report`` being exported as the sender."""

from blinker import Namespace

signals = Namespace()

report_appendices = signals.signal(
    "report-appendices",
    doc="Receivers return a document.Appendix: figures of their own for the report's scope and period.")
