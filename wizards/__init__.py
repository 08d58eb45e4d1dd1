from . import isp_cdr_upload_wizard
