from . import isp_telephony_billing_wizard
from . import isp_telephony_billing_wizard_line
