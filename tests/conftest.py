"pytest options for latm's notebook tests"

def pytest_addoption(parser):
    parser.addoption('--flags', default='', help='space-separated nbdev test flags to run as well, e.g. "network slow"')
