from . import base_partner_merge_automatic_wizard
from . import isp_cdr_upload_wizard
from . import isp_telephony_billing_wizard
from . import isp_telephony_billing_wizard_line
