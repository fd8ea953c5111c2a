using LogService.Core.Entries;

namespace LogService.Core.Tests.Entries;

public class LogValueTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0.5")]
    [InlineData("1e10")]
    [InlineData("12.50E-3")]
    public void JsonNumbersAreAccepted(string text) => Assert.Equal(text, LogValue.Number(text).Text);

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("+1")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("NaN")]
    [InlineData("1e")]
    public void NonJsonNumbersAreRefused(string text) => Assert.Throws<ArgumentException>(() => LogValue.Number(text));

    [Fact]
    public void ObjectsRefuseDuplicateNames() =>
        Assert.Throws<ArgumentException>(() => LogValue.Object([new("a", LogValue.Null), new("a", LogValue.True)]));

    [Fact]
    public void ToStringWritesCompactJsonInMemberOrder()
    {
        var value = LogValue.Object([new("z", LogValue.Number("1.50")), new("a", LogValue.Array([LogValue.String("x\"y"), LogValue.False]))]);

        Assert.Equal("{\"z\":1.50,\"a\":[\"x\\u0022y\",false]}", value.ToString());
    }

    [Fact]
    public void EqualityIsStructural()
    {
        LogValue Make() => LogValue.Object([new("a", LogValue.Array([LogValue.Number("1")]))]);

        Assert.Equal(Make(), Make());
        Assert.NotEqual(Make(), LogValue.Object([new("a", LogValue.Array([LogValue.Number("2")]))]));
    }
}
