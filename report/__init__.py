from . import call_statement
