import os
import sys

# walsafe_fixture is what this suite ships; pytester runs inner pytest
# sessions to test that fixture.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
pytest_plugins = ["pytester", "walsafe_fixture"]
