/// User-agent strings as CloudTrail and ActionTrail record them for each kind of client.
enum UserAgents {
    static let browsers = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    ]

    /// A headless browser driven by a credential-stuffing script.
    static let scriptedBrowser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/118.0.5993.70 Safari/537.36"

    static let cliPlatforms = [
        "os/macos#24.1.0 md/arch#arm64", "os/macos#23.6.0 md/arch#x86_64",
        "os/windows#10 md/arch#amd64", "os/linux#6.8.0-49-generic md/arch#x86_64",
    ]

    /// aws-cli v2, which names the command it runs (`md/command#ec2.describe-instances`).
    static func awsCLI(platform: String, command: String) -> String {
        "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 \(platform) lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#\(command)"
    }

    static let terraform = "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.76.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.4 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64"

    static let boto3Lambda = "Boto3/1.35.68 md/Botocore#1.35.68 ua/2.0 os/linux#5.10.228-219.884.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.68"
    static let boto3Server = "Boto3/1.35.54 md/Botocore#1.35.54 ua/2.0 os/linux#6.1.115-126.197.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.54"
    static let boto3Attacker = "Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#6.5.0-kali3-amd64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.57"
    static let javaLambda = "aws-sdk-java/2.29.15 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 vendor/Amazon.com_Inc. md/internal exec-env/AWS_Lambda_java21 io/sync http/Apache cfg/retry-mode/legacy"
    static let ssmAgent = "aws-sdk-go/1.55.5 (go1.22.8; linux; amd64) amazon-ssm-agent/3.3.1142.0"
    static let cloudWatchAgent = "CWAgent/1.300050.0b956 (go1.22.7; linux; amd64)"
    static let datadog = "Datadog-AWS-Integration/1.0 Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux lang/python#3.11.9"

    /// Calls the console makes on a signed-in user's behalf.
    static let consoleInternal = ["AWS Internal", "console.amazonaws.com",
                                  "aws-internal/3 aws-sdk-java/1.12.779 Linux/5.10.228-198.884.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.432-b07 java/1.8.0_432 vendor/Oracle_Corporation cfg/retry-mode/standard"]

    // ActionTrail clients
    static let aliyunCLI = "AlibabaCloud-CLI/3.0.235 (Darwin; arm64) Golang/1.22.5 Core/0.0.1"
    static let aliyunPython = "AlibabaCloud (Linux; x86_64) Python/3.11.9 Core/2.15.1 python-requests/2.32.3"
    static let aliyunTerraform = "Terraform/1.9.8 terraform-provider-alicloud/1.235.0 AlibabaCloud (Linux; amd64) Go/1.22.7 Core/0.01"
}
