from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from marketplace.i18n import lazy_gettext as _l
from marketplace.pages.services import MAX_STATEMENT_CHARS


class AccessibilityStatementForm(FlaskForm):
    text = TextAreaField(
        _l("Statement"), validators=[InputRequired()],
        description=_l("Plain text. Leave a blank line between paragraphs; start a line with ## for a heading and "
                       "with - for a point in a list. HTML is shown as text."),
        render_kw={"rows": 24, "maxlength": MAX_STATEMENT_CHARS})
