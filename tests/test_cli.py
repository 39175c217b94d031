from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.db import db
from marketplace.devdata import demo
from marketplace.organisations.models import Municipality, Unit
from tests.conftest import fresh


def _counts():
    fresh()
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (User, Municipality, Unit))


def test_init_twice_is_harmless(runner):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output
        assert "newest migration" in result.output


def test_demo_loads_the_region_and_twice_is_harmless(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts == (len(demo.USERS), 3, sum(len(units) for *_, units in demo.MUNICIPALITIES))
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts
    assert "ombruk-demo" in second.output
    for email, *_ in demo.USERS:
        assert email in second.output and email.endswith(".example")


def test_users_create_reads_the_password_from_stdin(runner, region):
    result = runner.invoke(
        args=["users", "create", "--email", "Ny@A.example", "--name", "Ny Bruker", "--municipality", "kommune-a",
              "--unit", "A skole", "--role", "caretaker"],
        input="et langt passord\n",
    )
    assert result.exit_code == 0, result.output
    user = accounts.find_user_by_email("ny@a.example")
    assert user.municipality.slug == "kommune-a" and user.unit.name == "A skole"
    assert user.roles == {Role.CARETAKER}
    assert accounts.password_matches(user, "et langt passord")


def test_users_create_explains_bad_input_and_creates_nothing(runner, region):
    before = _counts()
    cases = [
        (["--municipality", "nowhere"], "No municipality"),
        (["--municipality", "kommune-a", "--unit", "Månen"], "no unit"),
        ([], "--municipality is needed"),
        (["--municipality", "kommune-a", "--email-again"], "No such option"),
    ]
    for extra, message in cases:
        result = runner.invoke(args=["users", "create", "--email", "x@a.example", "--name", "X", *extra],
                               input="et langt passord\n")
        assert result.exit_code != 0 and message in result.output, result.output
    short = runner.invoke(args=["users", "create", "--email", "x@a.example", "--name", "X",
                                "--municipality", "kommune-a"], input="kort\n")
    assert short.exit_code != 0 and "10" in short.output  # the minimum length, in either language
    duplicate = runner.invoke(args=["users", "create", "--email", "member@a.example", "--name", "X",
                                    "--municipality", "kommune-a"], input="et langt passord\n")
    assert duplicate.exit_code != 0 and "member@a.example" in duplicate.output
    assert _counts() == before


def test_users_create_network_admin(runner, region):
    result = runner.invoke(args=["users", "create", "--email", "net@vest.example", "--name", "Net",
                                 "--role", "network_admin", "--network", "vest"], input="et langt passord\n")
    assert result.exit_code == 0, result.output
    assert accounts.find_user_by_email("net@vest.example").memberships[0].network.slug == "vest"


def test_organisations_are_set_up_from_the_command_line(runner, app):
    from marketplace.organisations import services as organisations

    steps = [
        ["organisations", "add-network", "vestland", "Vestland ombruk"],
        ["organisations", "add-municipality", "fjordby", "Fjordby kommune", "--network", "vestland",
         "--org-number", "123456789"],
        ["organisations", "add-partner", "kirkens", "Kirkens bymisjon", "--network", "vestland"],
        ["organisations", "add-unit", "fjordby", "Fjordby skole", "--kind", "school"],
    ]
    for args in steps:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    fresh()
    municipality = organisations.find_municipality("fjordby")
    assert [unit.name for unit in municipality.units] == ["Fjordby skole"]
    assert organisations.network_overview(municipality).neighbours == ["Kirkens bymisjon"]
    for args, message in [
        (["organisations", "add-municipality", "x", "X", "--network", "nowhere"], "add-network"),
        (["organisations", "add-network", "Bad Slug", "X"], "Bad Slug"),
        (["organisations", "add-unit", "fjordby", "Fjordby skole"], "Fjordby skole"),
        (["organisations", "add-unit", "nowhere", "Skole"], "nowhere"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, result.output
