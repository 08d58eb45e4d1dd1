from . import isp_call_webhook
