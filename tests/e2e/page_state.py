"""What a browser test waits for on a Streamlit page: the app's element once its websocket is connected,
and once no script run is under way (`data-test-*` attributes of Streamlit's frontend)."""

CONNECTED = "[data-testid=stApp][data-test-connection-state=CONNECTED]"
IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"  # no script run under way
