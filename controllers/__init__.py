from . import isp_call_webhook
from . import portal
