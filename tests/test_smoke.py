from tests.conftest import login


def test_demo_caretaker_home(client, region):
    response = login(client, "caretaker@a.example")
    assert response.status_code == 302
    page = client.get("/")
    assert "A kommune" in page.get_data(as_text=True)
