using LogService.Core.Policies;

namespace LogService.Core.Tests.Policies;

public sealed class ClientSecretHashTests
{
    [Fact]
    public void TheRightSecretVerifiesAndAWrongOneDoesNot()
    {
        var hash = ClientSecretHash.Create("correct horse");

        Assert.True(ClientSecretHash.Verify("correct horse", hash));
        Assert.False(ClientSecretHash.Verify("correct horse ", hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sha256:abc")]
    [InlineData("pbkdf2-sha256:1000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256:100000:not base64:AAAA")]
    public void AMalformedOrWeakHashNeverVerifies(string hash) => Assert.False(ClientSecretHash.Verify("secret", hash));
}
